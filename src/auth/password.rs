//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::distributions::Alphanumeric;
use rand::Rng;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashing and verifying run on two threads of their own, never on the blocking pool that
/// serves the database: an argon2id hash takes 19 MiB, and an allocator keeps memory per
/// thread (glibc's arenas kept every thread's that ever hashed), so hashing on a pool of dozens
/// of threads grew the resident memory with every thread that happened to log someone in. Two
/// threads bound it, and at most two logins hash at once (the others queue). After each hash
/// the thread hands its freed memory back at once (`mi_collect`): mimalloc, the process's
/// allocator (`crate::memory`), would otherwise wait for that thread's next allocation, and a hashing thread sits
/// idle between logins (measured: 97 MB resident after 100 logins without it).
mod hashers {
    use std::sync::mpsc::{self, Sender};
    use std::sync::{Mutex, OnceLock};

    type Job = Box<dyn FnOnce() + Send>;

    const THREADS: usize = 2;

    fn queue() -> &'static Mutex<Sender<Job>> {
        static QUEUE: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
        QUEUE.get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Job>();
            let rx = std::sync::Arc::new(Mutex::new(rx));
            for n in 0..THREADS {
                let rx = rx.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("password-{n}"))
                    .spawn(move || loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => {
                                job();
                                // SAFETY: asks the allocator to give back what this thread
                                // no longer uses; it touches no memory still in use.
                                unsafe { libmimalloc_sys::mi_collect(true) };
                            }
                            Err(_) => return,
                        }
                    });
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "cannot start a password hashing thread");
                }
            }
            Mutex::new(tx)
        })
    }

    /// Runs `f` on a hashing thread and waits for it without blocking the caller's thread.
    pub async fn run<T: Send + 'static>(
        f: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        queue()
            .lock()
            .map_err(|_| anyhow::anyhow!("the password hashing queue is poisoned"))?
            .send(job)
            .map_err(|_| anyhow::anyhow!("no password hashing thread is running"))?;
        rx.await
            .map_err(|_| anyhow::anyhow!("a password hashing thread stopped"))
    }
}

/// [`hash`] on the hashing threads.
pub async fn hash_off_thread(password: String) -> anyhow::Result<String> {
    hashers::run(move || hash(&password)).await?
}

/// [`verify`] on the hashing threads; `None` (an unknown email) verifies against
/// [`dummy_hash`], so that both cases take the same time.
pub async fn verify_off_thread(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    hashers::run(move || verify(&password, stored.as_deref().unwrap_or(dummy_hash()))).await
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the email is unknown, so that both cases take the same time.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash("not-a-real-password").unwrap_or_default())
}

/// A random password for generated accounts (printed once).
pub fn generate() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(20)
        .map(char::from)
        .collect()
}

/// Password rules, checked wherever a password is set.
pub fn check_strength(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < 10 {
        return Err("must be at least 10 characters");
    }
    if password.len() > 200 {
        return Err("must be at most 200 bytes");
    }
    Ok(())
}
