//! Long-running operations as ARM documents them: an `Azure-AsyncOperation` status URL or a
//! `Location` URL that answers until the operation is done, after [`ArmConfig::polls`] polls.

use super::*;

impl Server {
    /// Starts an operation on `key`; returns its id.
    pub(super) fn start(
        &self,
        st: &mut State,
        kind: OpKind,
        key: &str,
        failure: Option<ErrorBody>,
    ) -> String {
        st.next += 1;
        let id = format!("op-{}", st.next);
        st.ops.insert(
            id.clone(),
            Op {
                kind,
                key: key.to_string(),
                polls_left: self.cfg.polls,
                failure,
                done: false,
            },
        );
        id
    }

    pub(super) fn finish_op(st: &mut State, op_id: &str) {
        let Some(op) = st.ops.get_mut(op_id) else {
            return;
        };
        if op.done {
            return;
        }
        op.done = true;
        let (kind, key, failed) = (op.kind, op.key.clone(), op.failure.is_some());
        match kind {
            OpKind::Delete => {
                let prefix = format!("{key}/");
                st.resources
                    .retain(|k, _| k != &key && !k.starts_with(&prefix));
            }
            OpKind::Create | OpKind::Update => {
                if let Some(r) = st.resources.get_mut(&key) {
                    set_state(r, if failed { "Failed" } else { "Succeeded" });
                }
                // Agent pools created with their cluster follow it.
                let prefix = format!("{key}/agentpools/");
                for (k, r) in st.resources.iter_mut() {
                    if k.starts_with(&prefix) {
                        set_state(r, if failed { "Failed" } else { "Succeeded" });
                    }
                }
            }
        }
    }

    pub(super) fn poll(&self, op_id: &str, location: bool) -> Reply {
        let mut st = self.lock();
        let Some(op) = st.ops.get_mut(op_id) else {
            return error(
                StatusCode::NOT_FOUND,
                "OperationNotFound",
                format!("No operation {op_id}."),
            );
        };
        if op.polls_left > 0 {
            op.polls_left -= 1;
            let r = if location {
                empty(StatusCode::ACCEPTED)
            } else {
                json(
                    StatusCode::OK,
                    &OperationStatus {
                        status: "InProgress".into(),
                        error: None,
                    },
                )
            };
            let r = with_header(r, "retry-after", "0");
            return if location {
                with_header(
                    r,
                    "location",
                    &format!("{}/hangar-test/operationresults/{op_id}", self.endpoint),
                )
            } else {
                r
            };
        }
        let failure = op.failure.clone();
        let (kind, key) = (op.kind, op.key.clone());
        Self::finish_op(&mut st, op_id);
        if location {
            if let Some(f) = failure {
                return json(StatusCode::BAD_REQUEST, &ErrorEnvelope { error: f });
            }
            return match kind {
                OpKind::Delete => empty(StatusCode::NO_CONTENT),
                _ => match st.resources.get(&key) {
                    Some(r) => json(StatusCode::OK, r),
                    None => empty(StatusCode::NO_CONTENT),
                },
            };
        }
        json(
            StatusCode::OK,
            &OperationStatus {
                status: if failure.is_some() {
                    "Failed"
                } else {
                    "Succeeded"
                }
                .into(),
                error: failure,
            },
        )
    }

    pub(super) fn async_reply(
        &self,
        status: StatusCode,
        body: Option<&Value>,
        op: &str,
        header: &str,
    ) -> Reply {
        let r = match body {
            Some(b) => json(status, b),
            None => empty(status),
        };
        let r = with_header(r, "retry-after", "0");
        match header {
            "location" => with_header(
                r,
                "location",
                &format!("{}/hangar-test/operationresults/{op}", self.endpoint),
            ),
            _ => with_header(
                r,
                "azure-asyncoperation",
                &format!(
                    "{}/hangar-test/operations/{op}?api-version={API_AKS}",
                    self.endpoint
                ),
            ),
        }
    }
}
