//! The salestrack binary: `serve` (the default), `migrate`, `create-admin`, `openapi`,
//! `demo-data`.

use actix_web::HttpServer;
use anyhow::Context;
use clap::{Parser, Subcommand};
use salestrack::auth::{password, Role};
use salestrack::bootstrap::{self, CreatedAdmin};
use salestrack::clock::Clock;
use salestrack::config::Config;
use salestrack::{build_app, db, demo};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "salestrack", version, about = "Sales process management API")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (the default). Migrates the database first.
    Serve,
    /// Apply pending migrations and exit.
    Migrate {
        /// Revert every migration first (destroys all data).
        #[arg(long)]
        redo: bool,
    },
    /// Create an admin user. The password comes from --password or SALESTRACK_ADMIN_PASSWORD,
    /// or is generated and printed once.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
        #[arg(long, env = "SALESTRACK_ADMIN_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Fill an empty database with a small demo organisation.
    DemoData,
}

fn main() -> anyhow::Result<()> {
    salestrack::memory::bound();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(),
        Command::Migrate { redo } => migrate(redo),
        Command::CreateAdmin {
            email,
            name,
            password,
        } => create_admin(&email, &name, password),
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(&salestrack::api_doc())?);
            Ok(())
        }
        Command::DemoData => demo_data(),
    }
}

fn print_created_admin(admin: &CreatedAdmin) {
    println!();
    println!("  First admin: {}", admin.email);
    match &admin.generated_password {
        Some(p) => println!("  Password:    {p}   (generated; shown only this once)"),
        None => println!("  Password:    from SALESTRACK_ADMIN_PASSWORD"),
    }
    println!();
}

#[actix_web::main]
async fn serve() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    tracing::info!(?config, "starting");
    let bind = config.bind.clone();
    // Listen first: a start that cannot serve (the port is taken) must not create the first
    // admin and print a password nobody can use yet, leaving the next start to print nothing.
    let listener =
        std::net::TcpListener::bind(&bind).with_context(|| format!("cannot listen on {bind}"))?;
    let prepared =
        tokio::task::spawn_blocking(move || bootstrap::prepare(config, Clock::system())).await??;
    let state = prepared.state;
    let server = HttpServer::new({
        let state = state.clone();
        move || build_app(state.clone())
    })
    // Without it, Nagle's algorithm holds the second segment of a streamed (compressed)
    // response until the client's delayed ACK: 40 ms added to every compressed page.
    .tcp_nodelay(true)
    .listen(listener)
    .with_context(|| format!("cannot listen on {bind}"))?
    .shutdown_timeout(30)
    .run();
    if let Some(admin) = &prepared.created_admin {
        print_created_admin(admin);
    }
    let background = salestrack::jobs::spawn(
        state.clone(),
        std::time::Duration::from_millis(state.config.jobs_interval_ms),
    );
    println!("salestrack listening on http://{bind}  (API docs: http://{bind}/docs/)");
    println!(
        "Log in: curl -s -X POST http://{bind}/api/v1/auth/login -H 'Content-Type: application/json' -d '{{\"email\":\"...\",\"password\":\"...\"}}'"
    );
    // actix-web stops gracefully on SIGTERM and SIGINT: in-flight requests finish first.
    server.await?;
    background.abort();
    tracing::info!("stopped");
    Ok(())
}

fn connect() -> anyhow::Result<(Config, db::DbConnection)> {
    let config = Config::from_env()?;
    let conn = config
        .database_url
        .connect()
        .with_context(|| format!("cannot connect to {}", config.database_url.redacted()))?;
    Ok((config, conn))
}

fn migrate(redo: bool) -> anyhow::Result<()> {
    let (_, mut conn) = connect()?;
    if redo {
        for m in db::revert_all(&mut conn)? {
            println!("reverted {m}");
        }
    }
    let applied = db::migrate(&mut conn)?;
    if applied.is_empty() {
        println!("the database is up to date");
    }
    for m in applied {
        println!("applied {m}");
    }
    Ok(())
}

fn create_admin(email: &str, name: &str, given: Option<String>) -> anyhow::Result<()> {
    let (config, mut conn) = connect()?;
    db::migrate(&mut conn)?;
    let now = Clock::system().now();
    bootstrap::ensure_company(&mut conn, &config, now)?;
    let (pw, generated) = match given {
        Some(p) => (p, false),
        None => (password::generate(), true),
    };
    let user = bootstrap::create_user(&mut conn, email, name, Role::Admin, None, &pw, now)
        .context("could not create the admin (is the email taken?)")?;
    print_created_admin(&CreatedAdmin {
        email: user.email,
        generated_password: generated.then_some(pw),
    });
    Ok(())
}

fn demo_data() -> anyhow::Result<()> {
    let config = Config::from_env()?;
    let prepared = bootstrap::prepare(config.clone(), Clock::system())?;
    if let Some(admin) = &prepared.created_admin {
        print_created_admin(admin);
    }
    let mut conn = prepared.state.pool.get()?;
    let accounts = demo::fill(&mut conn, &config, Clock::system().now())?;
    println!(
        "Demo organisation created. Every demo user's password: {}",
        demo::DEMO_PASSWORD
    );
    println!();
    println!("  {:<45} {:<12} unit", "email", "role");
    for a in accounts {
        println!("  {:<45} {:<12} {}", a.email, a.role.as_str(), a.unit);
    }
    Ok(())
}
