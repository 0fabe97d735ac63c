//! The PostgreSQL backend: state as rows in a schema of its own, created on first use.
//!
//! Schema `S` (default `hangar`) holds three tables, each keyed by workspace so workspaces
//! never block each other: `S.states` (workspace, lineage, serial, the snapshot `doc` and its
//! `backup`), `S.journal` (one row per appended batch: workspace, the snapshot's lineage and
//! serial it continues, a sequence number and the entries) and `S.locks` (one row per locked
//! workspace: lock ID, the holder's [`LockInfo`] and `expires_at`). Documents are stored as
//! `json`, not `jsonb`: `json` keeps Hangar's text exactly (key order, number spelling, `\u0000`
//! in strings, all of which `jsonb` rewrites or refuses) while staying queryable with `->`.
//!
//! Whole-document writes and journal openings run in one transaction under a per-workspace
//! advisory lock, so lineage and serial checks hold between unlocked writers; reads see one
//! snapshot with its journal (repeatable read). Appends are single-row inserts, so a journal
//! cannot tear. Lease expiry is judged by the server's clock (`now()`), never the lockers'.
//! Connections are pooled per backend handle. TLS is not supported: connect over a trusted
//! network or a local socket.

mod journal;
mod lock;

use std::sync::{Arc, Mutex, MutexGuard};

use postgres::types::ToSql;
use postgres::{Client, IsolationLevel, NoTls, Transaction};

use crate::backend::{check_replace, Backend, Journal, LockGuard};
use crate::document::StateDoc;
use crate::error::StateError;
use crate::lock_info::LockInfo;

/// Idle connections a handle keeps for reuse.
const POOL_SIZE: usize = 8;

/// Where the state lives in PostgreSQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgConfig {
    /// libpq-style connection string or URL (`postgresql://user@host:port/db`).
    pub conn_str: String,
    /// Schema holding Hangar's tables, created with them on first use.
    pub schema_name: String,
    /// The workspace whose state this is.
    pub workspace: String,
}

impl PgConfig {
    /// The default workspace's state in schema `hangar` of the database `conn_str` names.
    pub fn new(conn_str: impl Into<String>) -> Self {
        PgConfig {
            conn_str: conn_str.into(),
            schema_name: "hangar".into(),
            workspace: "default".into(),
        }
    }
}

/// State kept in a PostgreSQL database.
pub struct PgBackend {
    inner: Arc<Inner>,
}

/// What the backend, its journals and lock guards share.
pub(crate) struct Inner {
    config: postgres::Config,
    /// The schema name as given (for catalogue queries) and quoted (for statements).
    schema: String,
    quoted: String,
    workspace: String,
    /// `postgres://host:port/db, schema S, workspace W`, for messages.
    location: String,
    pool: Mutex<Vec<Client>>,
    schema_ready: Mutex<bool>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether `name` is a plain identifier Hangar will quote and use as a schema name.
fn valid_schema(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

impl PgBackend {
    /// A backend for the state `config` names; nothing is contacted until it is used.
    ///
    /// Fails with [`StateError::InvalidSetting`] when the connection string does not parse or
    /// the schema name is not a plain identifier (letters, digits and `_`, at most 63).
    pub fn new(config: &PgConfig) -> Result<PgBackend, StateError> {
        let invalid = |name: &str, problem: String| StateError::InvalidSetting {
            kind: "pg".into(),
            name: name.into(),
            problem,
        };
        let pg: postgres::Config = config
            .conn_str
            .parse()
            .map_err(|e| invalid("conn_str", format!("does not parse: {e}")))?;
        if !valid_schema(&config.schema_name) {
            return Err(invalid(
                "schema_name",
                format!(
                    "{:?} is not a plain identifier (letters, digits and _, at most 63)",
                    config.schema_name
                ),
            ));
        }
        let host = pg
            .get_hosts()
            .first()
            .map(|h| match h {
                postgres::config::Host::Tcp(name) => name.clone(),
                postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .unwrap_or_else(|| "localhost".into());
        let port = pg.get_ports().first().copied().unwrap_or(5432);
        let db = pg.get_dbname().or(pg.get_user()).unwrap_or("postgres");
        let location = format!(
            "postgres://{host}:{port}/{db}, schema {}, workspace {}",
            config.schema_name, config.workspace
        );
        Ok(PgBackend {
            inner: Arc::new(Inner {
                config: pg,
                quoted: format!("\"{}\"", config.schema_name),
                schema: config.schema_name.clone(),
                workspace: config.workspace.clone(),
                location,
                pool: Mutex::new(Vec::new()),
                schema_ready: Mutex::new(false),
            }),
        })
    }
}

/// Maps a database error for `op` on `location`.
fn db(op: &'static str, location: &str) -> impl FnOnce(postgres::Error) -> StateError {
    StateError::remote(op, location)
}

fn serial_param(serial: u64, location: &str) -> Result<i64, StateError> {
    i64::try_from(serial).map_err(|_| {
        StateError::remote("write", location)(format!(
            "serial {serial} does not fit PostgreSQL's bigint"
        ))
    })
}

impl Inner {
    fn err(&self, op: &'static str) -> impl FnOnce(postgres::Error) -> StateError {
        db(op, &self.location)
    }

    /// `table` qualified with the schema.
    fn table(&self, table: &str) -> String {
        format!("{}.{table}", self.quoted)
    }

    /// Runs `f` on a pooled connection (a new one when none is idle), creating the schema on
    /// first use. Broken connections are not returned to the pool.
    fn with_client<T>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut Client) -> Result<T, StateError>,
    ) -> Result<T, StateError> {
        let pooled = locked(&self.pool).pop();
        let mut client = match pooled {
            Some(c) if !c.is_closed() => c,
            _ => self.config.connect(NoTls).map_err(self.err(op))?,
        };
        self.ensure_schema(&mut client)?;
        let result = f(&mut client);
        if !client.is_closed() {
            let mut pool = locked(&self.pool);
            if pool.len() < POOL_SIZE {
                pool.push(client);
            }
        }
        result
    }

    fn ensure_schema(&self, client: &mut Client) -> Result<(), StateError> {
        let mut ready = locked(&self.schema_ready);
        if *ready {
            return Ok(());
        }
        let found: i64 = client
            .query_one(
                "SELECT count(*) FROM information_schema.tables \
                 WHERE table_schema = $1 AND table_name IN ('states', 'journal', 'locks')",
                &[&self.schema],
            )
            .map_err(self.err("inspect schema of"))?
            .get(0);
        if found < 3 {
            let s = &self.quoted;
            let mut tx = client.transaction().map_err(self.err("create schema in"))?;
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext('hangar-state-schema:' || $1))",
                &[&self.schema],
            )
            .map_err(self.err("create schema in"))?;
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s};
                 CREATE TABLE IF NOT EXISTS {s}.states (
                     workspace text PRIMARY KEY,
                     lineage text NOT NULL,
                     serial bigint NOT NULL,
                     doc json NOT NULL,
                     backup json,
                     updated_at timestamptz NOT NULL DEFAULT now());
                 CREATE TABLE IF NOT EXISTS {s}.journal (
                     workspace text NOT NULL,
                     lineage text NOT NULL,
                     base_serial bigint NOT NULL,
                     seq bigint NOT NULL,
                     entries json NOT NULL,
                     PRIMARY KEY (workspace, lineage, base_serial, seq));
                 CREATE TABLE IF NOT EXISTS {s}.locks (
                     workspace text PRIMARY KEY,
                     id text NOT NULL,
                     info json NOT NULL,
                     expires_at timestamptz NOT NULL);"
            ))
            .map_err(self.err("create schema in"))?;
            tx.commit().map_err(self.err("create schema in"))?;
        }
        *ready = true;
        Ok(())
    }

    /// Takes this workspace's advisory lock for `purpose` until `tx` ends.
    fn serialise(
        &self,
        tx: &mut Transaction,
        purpose: &str,
        op: &'static str,
    ) -> Result<(), StateError> {
        let key = format!("hangar-state:{purpose}:{}:{}", self.schema, self.workspace);
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&key])
            .map_err(self.err(op))?;
        Ok(())
    }

    fn decode(&self, text: &str, what: &str) -> Result<StateDoc, StateError> {
        StateDoc::decode(text.as_bytes(), &format!("{} ({what})", self.location))
    }

    /// The stored snapshot and the state it stands for (snapshot plus its journal).
    fn load(
        &self,
        tx: &mut Transaction,
    ) -> Result<(Option<StateDoc>, Option<StateDoc>), StateError> {
        let row = tx
            .query_opt(
                &format!(
                    "SELECT doc::text FROM {} WHERE workspace = $1",
                    self.table("states")
                ),
                &[&self.workspace],
            )
            .map_err(self.err("read"))?;
        let Some(row) = row else {
            return Ok((None, None));
        };
        let snapshot = self.decode(row.get(0), "snapshot")?;
        let entries = journal::load(self, tx, &snapshot.lineage, snapshot.serial)?;
        let mut doc = snapshot.clone();
        if !entries.is_empty() {
            doc.apply(&entries);
            doc.serial = doc.serial.saturating_add(1);
        }
        Ok((Some(snapshot), Some(doc)))
    }

    /// In one transaction: checks `doc` against the current state, makes it the snapshot
    /// (keeping the previous one as backup) unless it already is, and drops the journal.
    fn install(&self, doc: &StateDoc, op: &'static str) -> Result<(), StateError> {
        let text = String::from_utf8(doc.encode()?).map_err(|e| {
            StateError::remote(op, &self.location)(format!("state is not UTF-8: {e}"))
        })?;
        let serial = serial_param(doc.serial, &self.location)?;
        self.with_client(op, |client| {
            let mut tx = client.transaction().map_err(self.err(op))?;
            self.serialise(&mut tx, "state", op)?;
            let (snapshot, current) = self.load(&mut tx)?;
            check_replace(current.as_ref(), doc)?;
            if snapshot.as_ref() != Some(doc) {
                let params: [&(dyn ToSql + Sync); 4] =
                    [&self.workspace, &doc.lineage, &serial, &text];
                tx.execute(
                    &format!(
                        "INSERT INTO {t} (workspace, lineage, serial, doc) \
                         VALUES ($1, $2, $3, $4::text::json) \
                         ON CONFLICT (workspace) DO UPDATE SET lineage = EXCLUDED.lineage, \
                         serial = EXCLUDED.serial, doc = EXCLUDED.doc, backup = {t}.doc, \
                         updated_at = now()",
                        t = self.table("states")
                    ),
                    &params,
                )
                .map_err(self.err(op))?;
            }
            tx.execute(
                &format!("DELETE FROM {} WHERE workspace = $1", self.table("journal")),
                &[&self.workspace],
            )
            .map_err(self.err(op))?;
            tx.commit().map_err(self.err(op))
        })
    }
}

impl Backend for PgBackend {
    fn describe(&self) -> String {
        format!("PostgreSQL {}", self.inner.location)
    }

    fn lock(&self, info: LockInfo) -> Result<Box<dyn LockGuard>, StateError> {
        lock::acquire(&self.inner, info).map(|g| Box::new(g) as Box<dyn LockGuard>)
    }

    fn read(&self) -> Result<Option<StateDoc>, StateError> {
        let inner = &self.inner;
        inner.with_client("read", |client| {
            let mut tx = client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .map_err(inner.err("read"))?;
            let (_, doc) = inner.load(&mut tx)?;
            tx.commit().map_err(inner.err("read"))?;
            Ok(doc)
        })
    }

    fn write(&self, doc: &StateDoc) -> Result<(), StateError> {
        self.inner.install(doc, "write")
    }

    fn read_backup(&self) -> Result<Option<StateDoc>, StateError> {
        let inner = &self.inner;
        let text: Option<String> = inner.with_client("read backup of", |client| {
            let row = client
                .query_opt(
                    &format!(
                        "SELECT backup::text FROM {} WHERE workspace = $1",
                        inner.table("states")
                    ),
                    &[&inner.workspace],
                )
                .map_err(inner.err("read backup of"))?;
            Ok(row.and_then(|r| r.get(0)))
        })?;
        text.map(|t| inner.decode(&t, "backup")).transpose()
    }

    fn open_journal(&self, base: &StateDoc) -> Result<Box<dyn Journal>, StateError> {
        self.inner.install(base, "open journal on")?;
        Ok(Box::new(journal::PgJournal::new(
            Arc::clone(&self.inner),
            base,
        )))
    }

    fn force_unlock(&self, id: &str) -> Result<(), StateError> {
        lock::force_unlock(&self.inner, id)
    }
}
