//! The binary's first start: the first admin is created (and its password printed) only by a
//! start that can listen; a `DATABASE_URL` of an unknown kind is refused without its password.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use diesel::prelude::*;

fn salestrack(db: &str, bind: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_salestrack"));
    cmd.env_clear()
        .env("DATABASE_URL", db)
        .env("BIND", bind)
        .env("RUST_LOG", "warn")
        .env("JOBS_INTERVAL_MS", "60000")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn users_in(db: &str) -> i64 {
    if !std::path::Path::new(db).exists() {
        return 0;
    }
    let mut conn = SqliteConnection::establish(db).unwrap();
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT COUNT(*) FROM users)",
    ))
    .get_result(&mut conn)
    .unwrap_or(0)
}

#[test]
fn a_start_on_a_taken_port_creates_no_admin_and_the_next_start_prints_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("first.db").to_string_lossy().to_string();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = taken.local_addr().unwrap().to_string();

    let failed = salestrack(&db, &bind).output().unwrap();
    let stdout = String::from_utf8_lossy(&failed.stdout);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(!failed.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert!(!stdout.contains("Password"), "printed a password: {stdout}");
    assert_eq!(
        users_in(&db),
        0,
        "an admin was created by a start that could not serve"
    );

    drop(taken);
    let mut child = salestrack(&db, &bind).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let password = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains("Password:") => break line,
            Ok(line) => seen.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("no password printed; stdout: {seen:?}");
            }
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(password.contains("generated"), "{password}");
    assert_eq!(users_in(&db), 1);
}

#[test]
fn an_unknown_database_scheme_is_refused_with_the_password_masked() {
    let out = salestrack("mysql://user:secret@db.example/sales", "127.0.0.1:0")
        .arg("migrate")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("mysql"), "{all}");
    assert!(all.contains("not support"), "{all}");
    assert!(!all.contains("secret"), "the password is shown: {all}");
    assert!(
        !std::path::Path::new("mysql:").exists(),
        "taken for a file name"
    );
}
