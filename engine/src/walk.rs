//! Running a dependency graph concurrently: a node starts the moment its own dependencies end.
//!
//! [`run_dag`] is shared by apply's create/update walk and its destroy walk. Nodes run as
//! futures on the current task (provider calls are I/O, so they overlap); a node whose
//! dependency failed or was skipped is skipped; once `stop` is set (first failure, Ctrl-C) no
//! node that has not started yet will start, and those already running finish.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::stream::{FuturesUnordered, StreamExt};

/// How one node ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not run yet.
    Pending,
    /// Ran and succeeded.
    Done,
    /// Ran and failed.
    Failed,
    /// Never started (a dependency failed, or the walk was stopped).
    Skipped,
}

/// Runs `visit(i)` for every node `0..deps.len()` after all of `deps[i]` are done.
pub async fn run_dag<F, Fut>(
    deps: &[Vec<usize>],
    stop: &AtomicBool,
    stop_on_failure: bool,
    visit: F,
) -> Vec<Outcome>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = bool>,
{
    let n = deps.len();
    let mut outcome = vec![Outcome::Pending; n];
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        for &d in ds {
            dependents[d].push(i);
        }
    }
    let mut ready: Vec<usize> = (0..n).filter(|&i| waiting[i] == 0).rev().collect();
    let mut running = FuturesUnordered::new();
    loop {
        while let Some(i) = ready.pop() {
            let blocked = deps[i].iter().any(|&d| outcome[d] != Outcome::Done);
            if blocked || stop.load(Ordering::SeqCst) {
                outcome[i] = Outcome::Skipped;
                release(i, &dependents, &mut waiting, &mut ready);
                continue;
            }
            let fut = visit(i);
            running.push(async move { (i, fut.await) });
        }
        let Some((i, ok)) = running.next().await else {
            break;
        };
        outcome[i] = if ok { Outcome::Done } else { Outcome::Failed };
        if !ok && stop_on_failure {
            stop.store(true, Ordering::SeqCst);
        }
        release(i, &dependents, &mut waiting, &mut ready);
    }
    outcome
}

fn release(i: usize, dependents: &[Vec<usize>], waiting: &mut [usize], ready: &mut Vec<usize>) {
    for &d in &dependents[i] {
        waiting[d] -= 1;
        if waiting[d] == 0 {
            ready.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn runs_in_dependency_order_and_skips_after_failure() {
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let log = Mutex::new(Vec::new());
        let stop = AtomicBool::new(false);
        let out = run_dag(&deps, &stop, true, |i| {
            let log = &log;
            async move {
                log.lock().expect("lock").push(i);
                i != 1
            }
        })
        .await;
        let log = log.into_inner().expect("lock");
        assert!(log.iter().position(|&x| x == 0) < log.iter().position(|&x| x == 1));
        assert_eq!(out[1], Outcome::Failed);
        assert_eq!(out[2], Outcome::Skipped);
    }

    #[tokio::test]
    async fn a_node_starts_when_its_own_dependencies_finish() {
        let deps = vec![vec![], vec![], vec![0]];
        let log = Mutex::new(Vec::new());
        let stop = AtomicBool::new(false);
        run_dag(&deps, &stop, true, |i| {
            let log = &log;
            async move {
                if i == 1 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                log.lock().expect("lock").push(i);
                true
            }
        })
        .await;
        assert_eq!(log.into_inner().expect("lock"), vec![0, 2, 1]);
    }
}
