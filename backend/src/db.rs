use std::{path::Path, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// How long a SQLite writer waits for another one to finish.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to SQLite or PostgreSQL by URL and brings the schema up to date.
///
/// For SQLite file URLs the parent directory is created and the file is created if missing.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let url = prepare_sqlite_url(url)?;
    let mut options = ConnectOptions::new(url.clone());
    // A request that cannot get a connection within seconds fails with an error that says
    // so, instead of hanging until its client gives up.
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // SQLite allows one writer; a small pool avoids lock contention under load, and a
        // writer waits for the lock instead of failing at once with "database is locked".
        options
            .max_connections(4)
            .map_sqlx_sqlite_opts(|sqlite| sqlite.busy_timeout(SQLITE_BUSY_TIMEOUT));
    }
    let db = Database::connect(options).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

fn prepare_sqlite_url(url: &str) -> Result<String, DbErr> {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return Ok(url.to_owned());
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(url.to_owned());
    }
    if let Some(parent) = Path::new(path)
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|err| DbErr::Custom(format!("cannot create {}: {err}", parent.display())))?;
    }
    let query = if query.contains("mode=") {
        query.to_owned()
    } else if query.is_empty() {
        "mode=rwc".to_owned()
    } else {
        format!("{query}&mode=rwc")
    };
    Ok(format!("sqlite://{path}?{query}"))
}

#[cfg(test)]
mod tests {
    use super::prepare_sqlite_url;

    #[test]
    fn sqlite_file_urls_gain_create_mode() {
        let dir = std::env::temp_dir().join("pb-db-url-test");
        let url = format!("sqlite://{}/app.db", dir.display());
        assert_eq!(prepare_sqlite_url(&url).unwrap(), format!("{url}?mode=rwc"));
        assert!(dir.exists());
        assert_eq!(
            prepare_sqlite_url("postgres://x/y").unwrap(),
            "postgres://x/y"
        );
    }
}
