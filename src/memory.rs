//! The process's memory: which allocator serves it, and what the allocators may keep.

/// Rust's allocations go to mimalloc: with glibc's malloc a page of 50 customers spent about
/// a seventh of its CPU in malloc and free (arena locks, `malloc_consolidate` after each
/// response's buffers), and mimalloc's thread-local free lists served the same load 40 % faster
/// (docs/benchmarks.md). Built without transparent huge pages (`no_thp`), which would make its
/// arenas resident 2 MiB at a time, and told to give freed memory back after 10 ms (see
/// [`bound`]). In the library, so that the tests and the benches run on the allocator that
/// ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Bounds the memory kept by what still allocates through glibc's malloc (libpq, SQLite).
/// glibc gives each thread that allocates under contention an arena of its own and keeps its
/// freed memory, so the resident memory grew with the number of threads that ever ran: two
/// arenas serve two cores. A fixed mmap threshold: glibc otherwise raises it to the size of
/// the largest block freed and keeps every later block that size on the heap. And no
/// transparent huge pages for the process, on systems where they are always on, so that no
/// allocator's memory becomes resident 2 MiB at a time.
///
/// mimalloc gives memory that is no longer used back to the system 10 ms after (its version 2
/// default; version 3 waits a second): measured on one server, the same throughput and 60 MB
/// resident under load instead of 71 MB; whole `scripts/bench-http` runs vary from 58 to 68 MB
/// (the password threads collect after each hash: `auth::password`).
/// Called first thing in `main`.
pub fn bound() {
    // `mi_option_purge_delay`, which the crate names no constant for: in mimalloc.h (versions
    // 2 and 3) it comes right before `mi_option_use_numa_nodes`, which it does name (16, as
    // this checks, so that a crate whose options moved fails the build rather than set another).
    const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t =
        libmimalloc_sys::mi_option_use_numa_nodes - 1;
    const _: () = assert!(MI_OPTION_PURGE_DELAY == 15);
    // SAFETY: sets an option of the allocator, which reads it whenever it purges.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter and prctl a flag of this process; it
    // runs first thing in main, before any other thread exists (glibc reads `M_ARENA_MAX` only
    // when it makes an arena).
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
