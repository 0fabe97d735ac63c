//! The SQLite connection: one embedded database file in WAL mode, so readers never block the
//! writer; `synchronous=FULL` or `NORMAL` per [`Durability`] (both survive the process being
//! killed; only FULL survives power loss).

use std::path::Path;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, ToSql};

use super::{Cell, Conn, Dialect, Durability, Row, StoreError, P};

/// A SQLite connection with cached prepared statements.
pub(crate) struct SqliteConn {
    conn: Connection,
}

impl SqliteConn {
    /// Opens (creating it if missing) the database file and sets the pragmas every connection
    /// needs. Fails when the file cannot be opened or is not a SQLite database.
    pub(crate) fn open(path: &Path, durability: Durability) -> Result<SqliteConn, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Corrupt(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let sync = match durability {
            Durability::PowerLoss => "FULL",
            Durability::ProcessCrash => "NORMAL",
        };
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON;"
        ))?;
        conn.set_prepared_statement_cache_capacity(128);
        Ok(SqliteConn { conn })
    }
}

impl ToSql for P {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            P::Int(Some(v)) => ToSqlOutput::from(*v),
            P::Text(Some(v)) => ToSqlOutput::from(v.as_str()),
            P::Int(None) | P::Text(None) => ToSqlOutput::from(rusqlite::types::Null),
        })
    }
}

impl Conn for SqliteConn {
    fn exec(&mut self, sql: &str, params: &[P]) -> Result<u64, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        Ok(stmt.execute(params_from_iter(params.iter()))? as u64)
    }

    fn query(&mut self, sql: &str, params: &[P]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                cells.push(match row.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Real(_) | ValueRef::Blob(_) => {
                        return Err(StoreError::Corrupt(format!(
                            "column {i} of `{sql}` is neither integer nor text"
                        )))
                    }
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        if sql.contains(';') {
            return Ok(self.conn.execute_batch(sql)?);
        }
        // One statement (BEGIN, SAVEPOINT, COMMIT, ... several per write): prepared once.
        self.conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}
