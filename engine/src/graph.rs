//! The dependency graph of a configuration, built in small named passes.
//!
//! [`Graph::build`] adds one node per variable, local, output, check, `module` block, provider
//! configuration and resource block of every module ([`Node`]), then one edge per reference
//! (`var.x`, `local.y`, `module.m.out`, `aws_s3_bucket.b`, `data.t.n`), `depends_on` entry and
//! provider use; everything inside a called module also waits for its `module` block, which
//! expands the module's instances. [`Graph::check`] turns it into an [`OrderedGraph`] or reports
//! every cycle, naming each address on it with its location. Edges run from a dependency to its
//! dependent; every pass is linear in the size of the configuration. Instances (`count`,
//! `for_each`, of resources and modules) are expanded later, during the walk: the graph is per
//! block.

/// Hash maps keyed by nodes: foldhash instead of SipHash (hashing `Node`s, which hold
/// addresses, was a tenth of building a 10k-block graph; the keys are not attacker-chosen).
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
use std::fmt::Write as _;

use hangar_core::{Diagnostic, Diagnostics, ModulePath, ResourceAddr, ResourceMode, SourceRange};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::config::{Config, Expr, ProviderRef, Resource};

/// Fewer resource blocks than this per thread are linked on this thread alone.
const MIN_RESOURCES_PER_THREAD: usize = 2048;

/// One vertex of the graph: a block (or locals entry) of the configuration, in its module.
///
/// Module paths here carry no instance keys: one node stands for the block in every instance
/// of its module, and the walk visits each instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    /// `variable "name"`.
    Variable(ModulePath, String),
    /// `local.name`.
    Local(ModulePath, String),
    /// A provider configuration (root module only).
    Provider(ProviderRef),
    /// A `resource` or `data` block.
    Resource(ResourceAddr),
    /// `output "name"`.
    Output(ModulePath, String),
    /// A `module` block, by the path of the module it calls: expands its instances.
    Call(ModulePath),
    /// `check "name"`.
    Check(ModulePath, String),
}

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = |f: &mut std::fmt::Formatter<'_>, m: &ModulePath| {
            if m.is_root() {
                Ok(())
            } else {
                write!(f, "{m}.")
            }
        };
        match self {
            Node::Variable(m, n) => {
                prefix(f, m)?;
                write!(f, "var.{n}")
            }
            Node::Local(m, n) => {
                prefix(f, m)?;
                write!(f, "local.{n}")
            }
            Node::Provider(p) => f.write_str(&p.config_addr()),
            Node::Resource(a) => write!(f, "{a}"),
            Node::Output(m, n) => {
                prefix(f, m)?;
                write!(f, "output.{n}")
            }
            Node::Call(m) => write!(f, "{m}"),
            Node::Check(m, n) => {
                prefix(f, m)?;
                write!(f, "check.{n}")
            }
        }
    }
}

impl Node {
    /// The module (without keys) the node belongs to; providers belong to the root.
    pub fn module(&self) -> ModulePath {
        match self {
            Node::Variable(m, _) | Node::Local(m, _) | Node::Output(m, _) | Node::Check(m, _) => {
                m.clone()
            }
            Node::Resource(a) => a.module.clone(),
            Node::Call(m) => m.split_last().map(|(p, _, _)| p).unwrap_or_default(),
            Node::Provider(_) => ModulePath::root(),
        }
    }
}

/// The graph as built, not yet checked for cycles.
pub struct Graph {
    g: DiGraph<Node, ()>,
    index: HashMap<Node, NodeIndex>,
    edges: HashSet<(NodeIndex, NodeIndex)>,
}

/// A graph proven acyclic, with a dependency-first order.
pub struct OrderedGraph {
    g: DiGraph<Node, ()>,
    order: Vec<NodeIndex>,
}

/// Where the block node `n` stands for is declared (`None` for a provider no block declares).
fn declared_at(cfg: &Config, n: &Node) -> Option<SourceRange> {
    let module = |m: &ModulePath| cfg.modules.get(m);
    match n {
        Node::Variable(m, name) => Some(module(m)?.variables.get(name)?.decl.clone()),
        Node::Local(m, name) => Some(module(m)?.locals.get(name)?.decl.clone()),
        Node::Output(m, name) => Some(module(m)?.outputs.get(name)?.decl.clone()),
        Node::Check(m, name) => Some(module(m)?.checks.get(name)?.decl.clone()),
        Node::Call(child) => {
            let (parent, name, _) = child.split_last()?;
            Some(module(&parent)?.calls.get(name)?.decl.clone())
        }
        Node::Provider(p) => Some(
            cfg.providers
                .get(&(p.name.clone(), p.alias.clone()))?
                .decl
                .clone(),
        ),
        Node::Resource(addr) => Some(cfg.resources.get(addr)?.decl.clone()),
    }
}

/// The node a reference chain, written in module `module`, points at, if it names a block.
pub fn referenced_node(cfg: &Config, module: &ModulePath, chain: &[String]) -> Option<Node> {
    match reference_target(cfg, module, chain)? {
        Node::Resource(addr) => cfg
            .resources
            .contains_key(&addr)
            .then_some(Node::Resource(addr)),
        n => Some(n),
    }
}

/// [`referenced_node`] without checking that a named resource is declared: the graph's own
/// index answers that in one hash lookup rather than a search of the configuration's map.
fn reference_target(cfg: &Config, module: &ModulePath, chain: &[String]) -> Option<Node> {
    let s = |i: usize| chain.get(i).map(String::as_str);
    let resource = |mode, t: &str, n: &str| {
        Some(Node::Resource(ResourceAddr {
            module: module.clone(),
            mode,
            type_: t.to_string(),
            name: n.to_string(),
        }))
    };
    match (s(0)?, s(1), s(2)) {
        ("var", Some(n), _) => Some(Node::Variable(module.clone(), n.into())),
        ("local", Some(n), _) => Some(Node::Local(module.clone(), n.into())),
        ("module", Some(n), out) => {
            let child = module.child(n, hangar_core::InstanceKey::None);
            let m = cfg.modules.get(&child)?;
            match out {
                Some(o) if m.outputs.contains_key(o) => Some(Node::Output(child, o.into())),
                _ => Some(Node::Call(child)),
            }
        }
        ("data", Some(t), Some(n)) => resource(ResourceMode::Data, t, n),
        (t, Some(n), _) => resource(ResourceMode::Managed, t, n),
        _ => None,
    }
}

impl Graph {
    /// Builds the graph of `cfg`: nodes first, then reference, `depends_on` and provider edges.
    pub fn build(cfg: &Config) -> Graph {
        let n = cfg.resources.len();
        let mut g = Graph {
            g: DiGraph::with_capacity(n, 2 * n),
            index: HashMap::with_capacity_and_hasher(n, Default::default()),
            edges: HashSet::with_capacity_and_hasher(2 * n, Default::default()),
        };
        g.add_nodes(cfg);
        g.add_edges(cfg);
        g
    }

    /// Adds the edge once; `update_edge` would scan existing edges and make building quadratic.
    fn edge(&mut self, from: NodeIndex, to: NodeIndex) {
        if from == to && matches!(self.g[from], Node::Variable(..)) {
            return;
        }
        if self.edges.insert((from, to)) {
            self.g.add_edge(from, to, ());
        }
    }

    fn add(&mut self, n: Node) -> NodeIndex {
        if let Some(i) = self.index.get(&n) {
            return *i;
        }
        let i = self.g.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    fn add_nodes(&mut self, cfg: &Config) {
        for (path, m) in &cfg.modules {
            if !path.is_root() {
                self.add(Node::Call(path.clone()));
            }
            for v in m.variables.values() {
                self.add(Node::Variable(path.clone(), v.name.clone()));
            }
            for l in m.locals.values() {
                self.add(Node::Local(path.clone(), l.name.clone()));
            }
            for o in m.outputs.values() {
                self.add(Node::Output(path.clone(), o.name.clone()));
            }
            for c in m.checks.values() {
                self.add(Node::Check(path.clone(), c.name.clone()));
            }
        }
        for p in cfg.providers.values() {
            let r = ProviderRef {
                name: p.name.clone(),
                alias: p.alias.clone(),
            };
            self.add(Node::Provider(r));
        }
        // Resources name few provider configurations: each is added once, not once per block.
        let mut providers: HashSet<&ProviderRef> = HashSet::default();
        for r in cfg.resources.values() {
            if providers.insert(&r.provider) {
                self.add(Node::Provider(r.provider.clone()));
            }
            self.add(Node::Resource(r.addr.clone()));
        }
    }

    /// Edges from what `exprs` (written in `module`) reference to `to`. With `whole`, a
    /// reference to a module means every resource in it, as `depends_on` does.
    fn depend_on_refs<'a>(
        &mut self,
        cfg: &Config,
        module: &ModulePath,
        to: NodeIndex,
        exprs: impl Iterator<Item = &'a Expr>,
        whole: bool,
    ) {
        self.depend_on_expressions(cfg, module, to, exprs.map(|e| &e.expr), whole);
    }

    /// [`depend_on_refs`](Self::depend_on_refs) of bare expressions (a resource's body is read
    /// in place rather than copied into [`Expr`]s).
    fn depend_on_expressions<'a>(
        &mut self,
        cfg: &Config,
        module: &ModulePath,
        to: NodeIndex,
        exprs: impl Iterator<Item = &'a hcl_edit::expr::Expression>,
        whole: bool,
    ) {
        let mut froms = Vec::new();
        self.referenced(cfg, module, exprs, whole, &mut froms);
        for from in froms {
            self.edge(from, to);
        }
    }

    /// The nodes `exprs` (written in `module`) reference, in order, onto `out`. With `whole`,
    /// a reference to a module means every resource in it, as `depends_on` does.
    fn referenced<'a>(
        &self,
        cfg: &Config,
        module: &ModulePath,
        exprs: impl Iterator<Item = &'a hcl_edit::expr::Expression>,
        whole: bool,
        out: &mut Vec<NodeIndex>,
    ) {
        let mut push = |n: &Node| out.extend(self.index.get(n).copied());
        for e in exprs {
            for r in hangar_lang::references(e) {
                let Some(n) = reference_target(cfg, module, &r.chain) else {
                    continue;
                };
                if let Node::Call(child) = &n {
                    let outputs = cfg
                        .modules
                        .get(child)
                        .into_iter()
                        .flat_map(|m| m.outputs.keys());
                    for o in outputs {
                        push(&Node::Output(child.clone(), o.clone()));
                    }
                    if whole {
                        let inside = cfg.resources.keys().filter(|a| a.module.starts_with(child));
                        for a in inside {
                            push(&Node::Resource(a.clone()));
                        }
                    }
                } else {
                    push(&n);
                }
            }
        }
    }

    /// Resource block `r`'s node and what it waits for, in the order its edges are added: its
    /// provider, its module's expansion, what its expressions and `depends_on` reference.
    fn resource_sources(&self, cfg: &Config, r: &Resource) -> (NodeIndex, Vec<NodeIndex>) {
        let i = self.index[&Node::Resource(r.addr.clone())];
        let mut out = Vec::new();
        out.extend(self.index.get(&Node::Provider(r.provider.clone())).copied());
        if !r.addr.module.is_root() {
            out.extend(self.index.get(&Node::Call(r.addr.module.clone())).copied());
        }
        let mut exprs = Vec::new();
        body_expressions(&r.body.body, &mut exprs);
        let meta = r.count.as_deref().into_iter().chain(r.for_each.as_deref());
        let lifecycle = r.lifecycle();
        let checks = lifecycle
            .preconditions
            .iter()
            .chain(&lifecycle.postconditions)
            .flat_map(|c| [&c.condition, &c.error_message]);
        let all = exprs.into_iter().chain(
            meta.chain(&lifecycle.replace_triggered_by)
                .chain(checks)
                .map(|e| &e.expr),
        );
        let module = &r.addr.module;
        self.referenced(cfg, module, all, false, &mut out);
        let depends_on = r.depends_on.iter().map(|e| &e.expr);
        self.referenced(cfg, module, depends_on, true, &mut out);
        (i, out)
    }

    /// The edges of every resource block: found on every core for a large configuration
    /// (finding them reads only the graph's nodes), added here in the configuration's order.
    fn add_resource_edges(&mut self, cfg: &Config) {
        let resources: Vec<&Resource> = cfg.resources.values().map(|r| &**r).collect();
        let threads =
            crate::cores::threads_for(resources.len(), MIN_RESOURCES_PER_THREAD, usize::MAX);
        let this = &*self;
        let sources = crate::cores::map_chunks(&resources, threads, |rs| {
            rs.iter().map(|r| this.resource_sources(cfg, r)).collect()
        });
        for (i, froms) in sources {
            for from in froms {
                self.edge(from, i);
            }
        }
    }

    /// Makes `i` wait for the expansion of its module's instances.
    fn inside(&mut self, module: &ModulePath, i: NodeIndex) {
        if module.is_root() {
            return;
        }
        if let Some(&c) = self.index.get(&Node::Call(module.clone())) {
            self.edge(c, i);
        }
    }

    fn add_edges(&mut self, cfg: &Config) {
        for (path, m) in &cfg.modules {
            if let Some((parent, name, _)) = path.split_last() {
                let i = self.index[&Node::Call(path.clone())];
                self.inside(&parent, i);
                if let Some(call) = cfg.modules.get(&parent).and_then(|p| p.calls.get(name)) {
                    let meta = call.count.iter().chain(&call.for_each);
                    self.depend_on_refs(cfg, &parent, i, meta, false);
                    self.depend_on_refs(cfg, &parent, i, call.depends_on.iter(), true);
                    for (input, e) in &call.inputs {
                        if let Some(&v) =
                            self.index.get(&Node::Variable(path.clone(), input.clone()))
                        {
                            self.depend_on_refs(cfg, &parent, v, std::iter::once(e), false);
                        }
                    }
                }
            }
            for v in m.variables.values() {
                let i = self.index[&Node::Variable(path.clone(), v.name.clone())];
                self.inside(path, i);
                let exprs = v
                    .validations
                    .iter()
                    .flat_map(|c| [&c.condition, &c.error_message]);
                self.depend_on_refs(cfg, path, i, exprs, false);
            }
            for l in m.locals.values() {
                let i = self.index[&Node::Local(path.clone(), l.name.clone())];
                self.inside(path, i);
                self.depend_on_refs(cfg, path, i, std::iter::once(&l.value), false);
            }
            for o in m.outputs.values() {
                let i = self.index[&Node::Output(path.clone(), o.name.clone())];
                self.inside(path, i);
                let conditions = o.preconditions.iter();
                let exprs = std::iter::once(&o.value)
                    .chain(conditions.flat_map(|c| [&c.condition, &c.error_message]));
                self.depend_on_refs(cfg, path, i, exprs, false);
                self.depend_on_refs(cfg, path, i, o.depends_on.iter(), true);
            }
            for c in m.checks.values() {
                let i = self.index[&Node::Check(path.clone(), c.name.clone())];
                self.inside(path, i);
                let exprs = c
                    .asserts
                    .iter()
                    .flat_map(|a| [&a.condition, &a.error_message]);
                self.depend_on_refs(cfg, path, i, exprs, false);
            }
        }
        for p in cfg.providers.values() {
            let r = ProviderRef {
                name: p.name.clone(),
                alias: p.alias.clone(),
            };
            let i = self.index[&Node::Provider(r)];
            let exprs = body_exprs(&p.body);
            self.depend_on_refs(cfg, &ModulePath::root(), i, exprs.iter(), false);
        }
        self.add_resource_edges(cfg);
    }

    /// Proves the graph acyclic, or reports each cycle with every address on it (and where
    /// `cfg`, the configuration it was built from, declares each).
    pub fn check(self, cfg: &Config) -> Result<OrderedGraph, Diagnostics> {
        let mut diags = Diagnostics::new();
        for scc in tarjan_scc(&self.g) {
            let self_loop = scc.len() == 1 && self.g.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            let mut members: Vec<_> = scc.iter().collect();
            members.sort_by_key(|i| self.g[**i].to_string());
            let mut detail = String::from("The following objects depend on each other:\n");
            for i in &members {
                let at = declared_at(cfg, &self.g[**i])
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default();
                let _ = writeln!(detail, "  - {}{at}", self.g[**i]);
            }
            let first = members.first().and_then(|i| declared_at(cfg, &self.g[**i]));
            diags.push(Diagnostic::error("Cycle in configuration", detail.trim_end()).at(first));
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let order = petgraph::algo::toposort(&self.g, None).map_err(|c| {
            Diagnostics::from(Diagnostic::error(
                "Cycle in configuration",
                format!("{} depends on itself", self.g[c.node_id()]),
            ))
        })?;
        Ok(OrderedGraph { g: self.g, order })
    }
}

/// Every expression of a resource block that can reference another block.
pub fn resource_exprs(r: &crate::config::Resource) -> Vec<Expr> {
    let mut exprs = body_exprs(&r.body);
    exprs.extend(r.count.as_deref().cloned());
    exprs.extend(r.for_each.as_deref().cloned());
    exprs.extend(r.lifecycle().replace_triggered_by.iter().cloned());
    for c in r
        .lifecycle()
        .preconditions
        .iter()
        .chain(&r.lifecycle().postconditions)
    {
        exprs.push(c.condition.clone());
        exprs.push(c.error_message.clone());
    }
    exprs
}

fn body_exprs(b: &crate::config::BodyRef) -> Vec<Expr> {
    let mut out = Vec::new();
    collect_body(&b.body, &b.file, &mut out);
    out
}

/// Every argument expression of `body` and its nested blocks, borrowed.
fn body_expressions<'a>(
    body: &'a hcl_edit::structure::Body,
    out: &mut Vec<&'a hcl_edit::expr::Expression>,
) {
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => out.push(&a.value),
            hcl_edit::structure::Structure::Block(b) => body_expressions(&b.body, out),
        }
    }
}

fn collect_body(
    body: &hcl_edit::structure::Body,
    file: &std::sync::Arc<hangar_lang::SourceFile>,
    out: &mut Vec<Expr>,
) {
    for s in body.iter() {
        match s {
            hcl_edit::structure::Structure::Attribute(a) => out.push(Expr {
                expr: a.value.clone(),
                file: file.clone(),
            }),
            hcl_edit::structure::Structure::Block(b) => collect_body(&b.body, file, out),
        }
    }
}

impl OrderedGraph {
    /// Nodes, dependencies first.
    pub fn order(&self) -> impl Iterator<Item = (NodeIndex, &Node)> {
        self.order.iter().map(|i| (*i, &self.g[*i]))
    }

    /// The node at `i`.
    pub fn node(&self, i: NodeIndex) -> &Node {
        &self.g[i]
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.g.node_count()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.g.node_count() == 0
    }

    /// Direct dependencies of `i`.
    pub fn dependencies(&self, i: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.g.neighbors_directed(i, Direction::Incoming)
    }

    /// Direct dependents of `i`.
    pub fn dependents(&self, i: NodeIndex) -> impl Iterator<Item = NodeIndex> + '_ {
        self.g.neighbors_directed(i, Direction::Outgoing)
    }

    /// Resource blocks `i` depends on, directly or through locals, variables and outputs.
    pub fn resource_dependencies(&self, i: NodeIndex) -> Vec<ResourceAddr> {
        let mut seen = HashSet::default();
        let mut stack: Vec<NodeIndex> = self.dependencies(i).collect();
        let mut out = Vec::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            match &self.g[n] {
                Node::Resource(a) => out.push(a.clone()),
                Node::Provider(_) => {}
                _ => stack.extend(self.dependencies(n)),
            }
        }
        out.sort();
        out
    }

    /// The graph in Graphviz DOT, as `hangar graph` prints it.
    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph {\n  compound = \"true\"\n  newrank = \"true\"\n");
        let mut edges: Vec<(String, String)> = self
            .g
            .edge_indices()
            .filter_map(|e| self.g.edge_endpoints(e))
            .map(|(a, b)| (self.g[b].to_string(), self.g[a].to_string()))
            .collect();
        edges.sort();
        let mut nodes: Vec<String> = self.g.node_weights().map(Node::to_string).collect();
        nodes.sort();
        for n in nodes {
            let _ = writeln!(s, "  \"{}\"", n.replace('"', "\\\""));
        }
        for (a, b) in edges {
            let _ = writeln!(
                s,
                "  \"{}\" -> \"{}\"",
                a.replace('"', "\\\""),
                b.replace('"', "\\\"")
            );
        }
        s.push_str("}\n");
        s
    }
}
