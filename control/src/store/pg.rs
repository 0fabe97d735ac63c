//! The PostgreSQL connection, through the synchronous `postgres` client hangar-state already
//! uses (it drives tokio-postgres on a runtime of its own, so it is called from the writer
//! thread and blocking tasks only). Statements are prepared once per connection.

use std::collections::HashMap;

use postgres::types::{ToSql, Type};
use postgres::{Client, NoTls, Statement};

use super::{Cell, Conn, Dialect, Row, StoreError, P};

/// A PostgreSQL connection with its prepared statements.
pub(crate) struct PgConn {
    client: Option<Client>,
    statements: HashMap<String, Statement>,
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // The synchronous client blocks on its own runtime when dropped, which panics on a
        // thread that runs async tasks (the pool can be dropped on one at shutdown).
        if let Some(client) = self.client.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                let _ = std::thread::Builder::new()
                    .name("hangar-control-pg-close".into())
                    .spawn(move || drop(client));
            }
        }
    }
}

impl PgConn {
    /// Connects (without TLS: the URL names a server the operator trusts on its network).
    /// Fails when the server cannot be reached or refuses the credentials.
    pub(crate) fn connect(url: &str) -> Result<PgConn, StoreError> {
        Ok(PgConn {
            client: Some(Client::connect(url, NoTls)?),
            statements: HashMap::new(),
        })
    }

    fn client(&mut self) -> &mut Client {
        self.client
            .as_mut()
            .expect("the client is only taken when the connection is dropped")
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client().prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

fn params(ps: &[P]) -> Vec<&(dyn ToSql + Sync)> {
    ps.iter()
        .map(|p| match p {
            P::Int(v) => v as &(dyn ToSql + Sync),
            P::Text(v) => v as &(dyn ToSql + Sync),
        })
        .collect()
}

impl Conn for PgConn {
    fn exec(&mut self, sql: &str, ps: &[P]) -> Result<u64, StoreError> {
        let stmt = self.statement(sql)?;
        Ok(self.client().execute(&stmt, &params(ps))?)
    }

    fn query(&mut self, sql: &str, ps: &[P]) -> Result<Vec<Row>, StoreError> {
        let stmt = self.statement(sql)?;
        let rows = self.client().query(&stmt, &params(ps))?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut cells = Vec::with_capacity(row.len());
            for (i, col) in row.columns().iter().enumerate() {
                let t = col.type_();
                let cell = if *t == Type::INT8 {
                    row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
                } else if *t == Type::INT4 {
                    row.try_get::<_, Option<i32>>(i)?
                        .map(|v| Cell::Int(i64::from(v)))
                } else if *t == Type::TEXT || *t == Type::VARCHAR || *t == Type::NAME {
                    row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
                } else {
                    return Err(StoreError::Corrupt(format!(
                        "column {} of `{sql}` has type {t}, neither integer nor text",
                        col.name()
                    )));
                };
                cells.push(cell.unwrap_or(Cell::Null));
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(self.client().batch_execute(sql)?)
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}
