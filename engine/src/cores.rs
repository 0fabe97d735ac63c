//! Work split over the machine's cores with scoped threads: the calling thread takes the first
//! share, so one core's worth of work starts no thread at all.

/// The cores this process may use (1 when that cannot be told).
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// How many threads `items` pieces of work are worth: one per core, at most `cap`, and no
/// fewer than `min_each` pieces per thread (at least one thread).
pub fn threads_for(items: usize, min_each: usize, cap: usize) -> usize {
    available().min(cap).min(items / min_each.max(1)).max(1)
}

/// `f` of `items` cut into `threads` runs of similar length, each on its own thread (the first
/// on this one), the results in `items`' order. A thread's panic goes on here.
pub fn map_chunks<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 2 {
        return f(items);
    }
    let f = &f;
    std::thread::scope(|s| {
        let mut chunks = items.chunks(items.len().div_ceil(threads));
        let first = chunks.next().unwrap_or_default();
        let others: Vec<_> = chunks.map(|c| s.spawn(move || f(c))).collect();
        let mut out = f(first);
        for t in others {
            match t.join() {
                Ok(r) => out.extend(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_threads() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3, 7] {
            let doubled = map_chunks(&items, threads, |c| c.iter().map(|x| x * 2).collect());
            assert_eq!(doubled, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_small_job_stays_on_one_thread() {
        assert_eq!(threads_for(10, 64, 8), 1);
        assert_eq!(threads_for(10_000, 64, 1), 1);
    }
}
