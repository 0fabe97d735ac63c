//! The walk's schedule: nodes dependencies-first, with independent managed resource blocks
//! planned at once on every core.
//!
//! Managed resource nodes wait in a pool instead of being planned where the order meets them;
//! the pool is planned when a node that needs one of them comes up, and at the end. Planning it
//! goes level by level (a level's blocks need nothing else in the pool), each level's blocks
//! split over the runtime's threads: planning a block only reads the walk (see `resource`), and
//! its plan is recorded on this thread, in the order's order. Every other node is visited where
//! the order meets it, as before, and diagnostics are reported in the order's order whatever
//! was planned when. On a current-thread runtime, or with `-parallelism=1`, levels are planned
//! on this thread alone.

use hangar_core::{Diagnostic, Diagnostics, ResourceAddr, ResourceMode};
use petgraph::graph::NodeIndex;

use super::resource::NodePlans;
use super::{FastMap, Planner};
use crate::config::Resource;
use crate::graph::Node;

/// Fewer blocks than this per thread are planned on this thread: starting a thread costs
/// about as much as planning a few dozen blocks.
const MIN_BLOCKS_PER_THREAD: usize = 64;

/// A pooled node: its place in the order, its index and its block.
type Pooled<'a> = (usize, NodeIndex, &'a Resource);

/// Managed resource nodes waiting to be planned.
#[derive(Default)]
pub(super) struct Pool<'a> {
    nodes: Vec<Pooled<'a>>,
    members: super::FastSet<NodeIndex>,
}

/// Diagnostics found so far, each with the place in the order of the node that found it.
#[derive(Default)]
pub(super) struct Found(Vec<(usize, Vec<Diagnostic>)>);

impl Found {
    /// Every diagnostic, in the order's order (and as found within a node).
    pub(super) fn into_ordered(mut self) -> Vec<Diagnostic> {
        self.0.sort_by_key(|(pos, _)| *pos);
        self.0.into_iter().flat_map(|(_, d)| d).collect()
    }
}

impl<'a> Planner<'a> {
    /// Visits every node of the graph dependencies-first; returns what was found, in order.
    pub(super) async fn walk(&mut self) -> Vec<Diagnostic> {
        let graph = self.graph;
        let mut pool = Pool::default();
        let mut found = Found::default();
        let importing: super::FastSet<ResourceAddr> = self
            .imports
            .values()
            .map(|b| b.to.resource.static_form())
            .collect();
        for (pos, (i, node)) in graph.order().enumerate() {
            if let Some(r) = self.poolable(node, &importing) {
                pool.members.insert(i);
                pool.nodes.push((pos, i, r));
                continue;
            }
            if graph.dependencies(i).any(|d| pool.members.contains(&d)) {
                self.plan_pool(&mut pool, &mut found).await;
            }
            if graph.dependencies(i).any(|d| self.failed.contains(&d)) {
                self.failed.insert(i);
                continue;
            }
            let visited = self.visit(i, node.clone()).await;
            self.settle(pos, i, visited, &mut found);
        }
        self.plan_pool(&mut pool, &mut found).await;
        found.into_ordered()
    }

    /// Files what node `i` (at `pos` in the order) found: what it reported as it went and,
    /// when it failed, its errors.
    fn settle(
        &mut self,
        pos: usize,
        i: NodeIndex,
        visited: Result<(), Diagnostics>,
        found: &mut Found,
    ) {
        let mut diags: Vec<Diagnostic> = std::mem::take(&mut self.diags.0);
        if let Err(d) = visited {
            diags.extend(d.0);
            self.failed.insert(i);
        }
        if !diags.is_empty() {
            found.0.push((pos, diags));
        }
    }

    /// Plans and records every pooled node, level by level.
    async fn plan_pool(&mut self, pool: &mut Pool<'a>, found: &mut Found) {
        if pool.nodes.is_empty() {
            return;
        }
        let graph = self.graph;
        // A pooled node's level is one more than the highest of its pooled dependencies'; the
        // order puts those first.
        let mut levels: FastMap<NodeIndex, usize> = FastMap::default();
        let mut by_level: Vec<Vec<Pooled<'a>>> = Vec::new();
        for &(pos, i, r) in &pool.nodes {
            let level = graph
                .dependencies(i)
                .filter_map(|d| levels.get(&d).map(|l| l + 1))
                .max()
                .unwrap_or(0);
            levels.insert(i, level);
            if by_level.len() <= level {
                by_level.resize_with(level + 1, Vec::new);
            }
            by_level[level].push((pos, i, r));
        }
        pool.nodes.clear();
        pool.members.clear();
        for mut level in by_level {
            level.retain(|&(_, i, _)| {
                let blocked = graph.dependencies(i).any(|d| self.failed.contains(&d));
                if blocked {
                    self.failed.insert(i);
                }
                !blocked
            });
            let plans = self.plan_level(&level).await;
            for ((pos, i, _), plans) in level.into_iter().zip(plans) {
                let committed = self.commit_node(plans);
                self.settle(pos, i, committed, found);
            }
        }
    }

    /// Plans the blocks of `level` (independent of each other), on as many threads as the
    /// runtime and `-parallelism` allow; their plans in `level`'s order.
    async fn plan_level(&self, level: &[Pooled<'a>]) -> Vec<NodePlans> {
        let threads =
            crate::cores::threads_for(level.len(), MIN_BLOCKS_PER_THREAD, self.opts.parallelism);
        let handle = tokio::runtime::Handle::try_current()
            .ok()
            .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        match handle {
            // Blocking here is what `block_in_place` allows on a multi-thread runtime; each
            // thread drives its blocks' provider calls with the runtime's handle.
            Some(handle) if threads > 1 => tokio::task::block_in_place(|| {
                crate::cores::map_chunks(level, threads, |c| handle.block_on(self.plan_blocks(c)))
            }),
            _ => self.plan_blocks(level).await,
        }
    }

    /// Plans `blocks` one after another.
    async fn plan_blocks(&self, blocks: &[Pooled<'a>]) -> Vec<NodePlans> {
        let mut plans = Vec::with_capacity(blocks.len());
        for &(_, i, r) in blocks {
            plans.push(self.plan_node(i, r).await);
        }
        plans
    }

    /// `node`'s block if it can wait in the pool: a managed resource block not taking an
    /// `import` (importing reports progress, which stays in order). `importing`: the blocks
    /// imports target.
    fn poolable(
        &self,
        node: &Node,
        importing: &super::FastSet<ResourceAddr>,
    ) -> Option<&'a Resource> {
        match node {
            Node::Resource(addr)
                if addr.mode == ResourceMode::Managed && !importing.contains(addr) =>
            {
                Some(self.blocks[addr])
            }
            _ => None,
        }
    }
}
