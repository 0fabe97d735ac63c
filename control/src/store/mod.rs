//! The control plane's store: one schema on SQLite (embedded) or PostgreSQL, written by one
//! writer thread with group commit, read through a small pool of connections.
//!
//! Contract: a write future resolves only after its transaction has committed (SQLite in WAL
//! mode, synced to disk per [`Durability`]; PostgreSQL per its own `synchronous_commit`), so a
//! reply sent after a write never announces something a killed control plane would forget. Many
//! concurrent writes share one transaction and one sync (group commit); each runs inside its
//! own savepoint, so one failing write never undoes another. The two databases run the same
//! SQL text through the small [`Conn`] interface; only the DDL of the migrations differs.
//!
//! Left out: what the rows mean — [`records`] holds the typed queries, the API layer the rules.

mod pg;
pub(crate) mod records;
mod schema;
mod sqlite;

use std::sync::{mpsc, Arc, Mutex};

use crate::error::ControlError;

/// Where the control plane keeps its data, parsed from `--database`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// An embedded SQLite file (`sqlite:PATH`).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL server (`postgres://...` or `postgresql://...`).
    Postgres(String),
}

impl Database {
    /// Parses `sqlite:PATH`, `postgres://...` or `postgresql://...`. Fails on anything else.
    pub fn parse(url: &str) -> Result<Database, ControlError> {
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(ControlError::DatabaseUrl {
                    url: url.into(),
                    reason: "sqlite: needs a file path (sqlite:PATH)".into(),
                });
            }
            Ok(Database::Sqlite(path.into()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Database::Postgres(url.into()))
        } else {
            Err(ControlError::DatabaseUrl {
                url: url.into(),
                reason: "expected sqlite:PATH, postgres://... or postgresql://...".into(),
            })
        }
    }

    /// The URL without a password, for messages.
    pub fn redacted(&self) -> String {
        match self {
            Database::Sqlite(p) => format!("sqlite:{}", p.display()),
            Database::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    let user = &url[s + 3..at];
                    let user = user.split(':').next().unwrap_or(user);
                    format!("{}://{user}@{}", &url[..s], &url[at + 1..])
                }
                _ => url.clone(),
            },
        }
    }
}

/// How durable a commit is before the reply that reports it is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Survives the control plane being killed, and power loss or an operating-system crash:
    /// SQLite syncs its write-ahead log to disk at every (group) commit (`synchronous=FULL`).
    /// Replies wait for the disk's flush, so latency is bounded below by it.
    #[default]
    PowerLoss,
    /// Survives the control plane being killed (the committed log is in the operating
    /// system's cache), but the last commits may be lost if the machine loses power or the
    /// kernel crashes (`synchronous=NORMAL`; the log is synced at checkpoints).
    ProcessCrash,
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("PostgreSQL: {}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    /// A row did not hold what the schema promises.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database's schema is newer than this control plane.
    #[error("the database's schema is version {found}; this control plane knows up to {known}: upgrade the control plane")]
    SchemaTooNew {
        /// Version found.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// The writer thread is gone (the control plane is shutting down).
    #[error("the store is shut down")]
    Closed,
}

/// A PostgreSQL error with the server's message, code and detail (the client's own `Display`
/// says only "db error").
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{} ({})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                m.push_str(": ");
                m.push_str(d);
            }
            m
        }
        None => e.to_string(),
    }
}

impl StoreError {
    /// Whether the error says a uniqueness or foreign-key constraint was violated.
    pub(crate) fn is_constraint(&self) -> bool {
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.code == rusqlite::ErrorCode::ConstraintViolation
            }
            StoreError::Postgres(e) => e.code().is_some_and(|c| c.code().starts_with("23")),
            _ => false,
        }
    }
}

/// A parameter: an integer or text, either possibly NULL (typed, as PostgreSQL needs).
#[derive(Clone, Debug)]
pub(crate) enum P {
    /// Integer (BIGINT).
    Int(Option<i64>),
    /// Text.
    Text(Option<String>),
}

impl From<i64> for P {
    fn from(v: i64) -> P {
        P::Int(Some(v))
    }
}
impl From<Option<i64>> for P {
    fn from(v: Option<i64>) -> P {
        P::Int(v)
    }
}
impl From<&str> for P {
    fn from(v: &str) -> P {
        P::Text(Some(v.to_string()))
    }
}
impl From<String> for P {
    fn from(v: String) -> P {
        P::Text(Some(v))
    }
}
impl From<Option<String>> for P {
    fn from(v: Option<String>) -> P {
        P::Text(v)
    }
}
impl From<Option<&str>> for P {
    fn from(v: Option<&str>) -> P {
        P::Text(v.map(str::to_string))
    }
}

/// One cell of a result row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    /// NULL.
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
}

/// One result row.
#[derive(Clone, Debug)]
pub(crate) struct Row(pub(crate) Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> Result<&Cell, StoreError> {
        self.0
            .get(i)
            .ok_or_else(|| StoreError::Corrupt(format!("no column {i}")))
    }

    /// An integer column.
    pub(crate) fn int(&self, i: usize) -> Result<i64, StoreError> {
        self.opt_int(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is NULL")))
    }

    /// A nullable integer column.
    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Int(v) => Ok(Some(*v)),
            Cell::Text(t) => Err(StoreError::Corrupt(format!(
                "column {i} holds text {t:?}, not an integer"
            ))),
        }
    }

    /// A text column.
    pub(crate) fn text(&self, i: usize) -> Result<String, StoreError> {
        self.opt_text(i)?
            .ok_or_else(|| StoreError::Corrupt(format!("column {i} is NULL")))
    }

    /// A nullable text column.
    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        match self.cell(i)? {
            Cell::Null => Ok(None),
            Cell::Text(v) => Ok(Some(v.clone())),
            Cell::Int(v) => Err(StoreError::Corrupt(format!(
                "column {i} holds integer {v}, not text"
            ))),
        }
    }
}

/// The two SQL dialects (only DDL and locking clauses differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// One database connection. SQL uses `$1, $2, ...` placeholders, numbered in order of first use.
pub(crate) trait Conn: Send {
    /// Runs a statement; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, StoreError>;
    /// Runs a query; its rows.
    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, StoreError>;
    /// Runs statements without parameters (transaction control, DDL).
    fn batch(&mut self, sql: &str) -> Result<(), StoreError>;
    /// Which database this is.
    fn dialect(&self) -> Dialect;
}

type Completion = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A queued write: run against the connection (inside a savepoint), or, given `None`, not run
/// at all because the transaction could not start; either way it hands back its completion.
type Op = Box<dyn FnOnce(Option<&mut dyn Conn>) -> (bool, Completion) + Send>;
type Opener = Arc<dyn Fn() -> Result<Box<dyn Conn>, StoreError> + Send + Sync>;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;
/// Read connections kept open.
const READERS: usize = 4;

/// The store: a writer thread and a reader pool over one database.
#[derive(Clone)]
pub(crate) struct Store {
    writer: mpsc::Sender<Op>,
    readers: Arc<Mutex<Vec<Box<dyn Conn>>>>,
    open: Opener,
    inline_reads: bool,
}

impl Store {
    /// Opens (creating if needed) and migrates the database, then starts the writer thread.
    /// Fails when the database cannot be opened or its schema is newer than this build.
    pub(crate) fn open(db: &Database, durability: Durability) -> Result<Store, StoreError> {
        let open: Opener = match db {
            Database::Sqlite(path) => {
                let path = path.clone();
                Arc::new(move || {
                    Ok(Box::new(sqlite::SqliteConn::open(&path, durability)?) as Box<dyn Conn>)
                })
            }
            Database::Postgres(url) => {
                let url = url.clone();
                Arc::new(move || Ok(Box::new(pg::PgConn::connect(&url)?) as Box<dyn Conn>))
            }
        };
        let mut writer_conn = open()?;
        schema::migrate(writer_conn.as_mut())?;
        let (tx, rx) = mpsc::channel::<Op>();
        let reopen = Arc::clone(&open);
        std::thread::Builder::new()
            .name("hangar-control-writer".into())
            .spawn(move || write_loop(writer_conn, rx, reopen))
            .map_err(|e| StoreError::Corrupt(format!("cannot start the writer thread: {e}")))?;
        Ok(Store {
            writer: tx,
            readers: Arc::new(Mutex::new(Vec::new())),
            open,
            inline_reads: matches!(db, Database::Sqlite(_)),
        })
    }

    /// Runs `f` inside the next group-commit transaction; resolves once that transaction has
    /// committed. An `Err` from `f` rolls back `f`'s own changes only.
    pub(crate) async fn write<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, wait) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let op: Op = Box::new(move |conn: Option<&mut dyn Conn>| {
            let r = match conn {
                Some(conn) => f(conn),
                None => Err(E::from(StoreError::Closed)),
            };
            let ok = r.is_ok();
            let done: Completion = Box::new(move |commit: Result<(), StoreError>| {
                let out = match commit {
                    Ok(()) => r,
                    Err(e) => Err(E::from(e)),
                };
                let _ = reply.send(out);
            });
            (ok, done)
        });
        self.writer
            .send(op)
            .map_err(|_| E::from(StoreError::Closed))?;
        wait.await
            .unwrap_or_else(|_| Err(E::from(StoreError::Closed)))
    }

    /// Runs `f` on a reader connection: SQLite reads (microseconds, never waiting on the
    /// writer in WAL mode) run in place; PostgreSQL reads, which wait on the network, run on a
    /// blocking thread.
    pub(crate) async fn read<T, E>(
        &self,
        f: impl FnOnce(&mut dyn Conn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let open = Arc::clone(&self.open);
        let run = move || {
            let taken = readers.lock().map(|mut v| v.pop()).unwrap_or(None);
            let mut conn = match taken {
                Some(c) => c,
                None => open().map_err(E::from)?,
            };
            let r = f(conn.as_mut());
            // A connection that failed may be broken: open a fresh one next time.
            if r.is_ok() {
                if let Ok(mut v) = readers.lock() {
                    if v.len() < READERS {
                        v.push(conn);
                    }
                }
            }
            r
        };
        if self.inline_reads {
            return run();
        }
        tokio::task::spawn_blocking(run)
            .await
            .unwrap_or_else(|_| Err(E::from(StoreError::Closed)))
    }
}

/// The writer thread: takes every queued write, runs each in a savepoint of one transaction,
/// commits once, then completes them all. Ends when every [`Store`] handle is dropped.
fn write_loop(mut conn: Box<dyn Conn>, rx: mpsc::Receiver<Op>, open: Opener) {
    while let Ok(first) = rx.recv() {
        let mut ops = vec![first];
        while ops.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => ops.push(op),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.batch("BEGIN") {
            let msg = e.to_string();
            for op in ops {
                let (_, done) = op(None);
                done(Err(StoreError::Corrupt(format!("cannot begin: {msg}"))));
            }
            reconnect(&mut conn, &open);
            continue;
        }
        let mut completions = Vec::with_capacity(ops.len());
        let mut broken = None;
        for op in ops {
            if broken.is_some() {
                let (_, done) = op(None);
                completions.push(done);
                continue;
            }
            if let Err(e) = conn.batch("SAVEPOINT op") {
                broken = Some(e.to_string());
                let (_, done) = op(None);
                completions.push(done);
                continue;
            }
            let (ok, done) = op(Some(conn.as_mut()));
            let end = if ok {
                conn.batch("RELEASE SAVEPOINT op")
            } else {
                conn.batch("ROLLBACK TO SAVEPOINT op")
                    .and_then(|()| conn.batch("RELEASE SAVEPOINT op"))
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            completions.push(done);
        }
        let commit = match &broken {
            Some(msg) => {
                let _ = conn.batch("ROLLBACK");
                Err(msg.clone())
            }
            None => conn.batch("COMMIT").map_err(|e| {
                let _ = conn.batch("ROLLBACK");
                e.to_string()
            }),
        };
        for done in completions {
            done(match &commit {
                Ok(()) => Ok(()),
                Err(msg) => Err(StoreError::Corrupt(format!("transaction failed: {msg}"))),
            });
        }
        if commit.is_err() {
            reconnect(&mut conn, &open);
        }
    }
}

fn reconnect(conn: &mut Box<dyn Conn>, open: &Opener) {
    if let Ok(fresh) = open() {
        *conn = fresh;
    }
}

/// The current time in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
