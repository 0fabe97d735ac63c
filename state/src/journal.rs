//! Journal entries: the changes the engine records while it applies, and how they fold into a
//! document.
//!
//! The engine writes an [`JournalEntry::Intent`] before each cloud call and an
//! [`JournalEntry::Outcome`] (plus the resulting [`JournalEntry::Put`] or
//! [`JournalEntry::Remove`]) after it. Folding is deterministic and idempotent per entry, so a
//! replayed journal reproduces the document the engine had. An intent without outcome stays in
//! [`StateDoc::pending`] for a later run to resolve. How entries are framed and stored is each
//! backend's business; this module leaves out serials, which backends manage.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::document::{InstanceRecord, Intent, OutputRecord, StateDoc};

/// One recorded change to state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "entries live briefly in small batches; boxing would only complicate every Put"
)]
pub enum JournalEntry {
    /// An instance was created or changed: record it under its address.
    Put(InstanceRecord),
    /// An instance is gone: forget the record with this address text.
    Remove {
        /// Address text of the instance.
        addr: String,
    },
    /// A `moved` block renamed an instance: its record now lives at `to`.
    Move {
        /// Address text it was recorded at.
        from: String,
        /// Address text it is recorded at from now on.
        to: String,
    },
    /// The root outputs now are exactly these.
    Outputs(BTreeMap<String, OutputRecord>),
    /// A side effect on `addr` is about to start; `token` pairs it with its outcome.
    Intent {
        /// Unique token of this side effect.
        token: String,
        /// Address text of the instance acted on.
        addr: String,
        /// What is being done, as the engine names it.
        action: String,
        /// The planned object (for a create), so a later run can recognise what was created.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        planned: Option<serde_json::Value>,
    },
    /// The side effect with `token` finished (its result is in a neighbouring entry).
    Outcome {
        /// The token given in the matching intent.
        token: String,
    },
}

impl JournalEntry {
    /// Folds this entry into `doc`. Recording or removing an instance also settles every
    /// pending intent on that address: whatever an interrupted run did there is superseded.
    pub fn apply_to(&self, doc: &mut StateDoc) {
        match self {
            JournalEntry::Put(record) => {
                let addr = record.addr.to_string();
                doc.pending.retain(|_, i| i.addr != addr);
                doc.put(record.clone());
            }
            JournalEntry::Remove { addr } => {
                doc.pending.retain(|_, i| i.addr != *addr);
                doc.resources.remove(addr);
            }
            JournalEntry::Move { from, to } => {
                let Ok(addr) = to.parse() else { return };
                if let Some(mut record) = doc.resources.remove(from) {
                    record.addr = addr;
                    doc.resources.insert(to.clone(), record);
                }
            }
            JournalEntry::Outputs(outputs) => doc.outputs = outputs.clone(),
            JournalEntry::Intent {
                token,
                addr,
                action,
                planned,
            } => {
                doc.pending.insert(
                    token.clone(),
                    Intent {
                        addr: addr.clone(),
                        action: action.clone(),
                        planned: planned.clone(),
                    },
                );
            }
            JournalEntry::Outcome { token } => {
                doc.pending.remove(token);
            }
        }
    }
}

impl StateDoc {
    /// Folds `entries` into the document in order.
    pub fn apply(&mut self, entries: &[JournalEntry]) {
        for entry in entries {
            entry.apply_to(self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn put(addr: &str, id: &str) -> JournalEntry {
        JournalEntry::Put(InstanceRecord {
            addr: addr.parse().expect("valid address"),
            provider: "provider[\"terraform\"]".into(),
            attributes: json!({ "id": id }),
            sensitive_paths: vec![],
            dependencies: vec![],
            region: None,
            create_before_destroy: false,
            tainted: false,
            private: String::new(),
            schema_version: 0,
        })
    }

    #[test]
    fn put_remove_and_outputs_fold_in_order() {
        let mut doc = StateDoc::new();
        let outputs: BTreeMap<_, _> = [(
            "o".to_string(),
            OutputRecord {
                value: json!(1),
                sensitive: true,
                ty: None,
            },
        )]
        .into();
        doc.apply(&[
            put("a.x", "1"),
            put("a.y", "2"),
            put("a.x", "3"),
            JournalEntry::Remove { addr: "a.y".into() },
            JournalEntry::Outputs(outputs.clone()),
        ]);
        assert_eq!(doc.resources.keys().collect::<Vec<_>>(), ["a.x"]);
        assert_eq!(doc.resources["a.x"].attributes, json!({"id": "3"}));
        assert_eq!(doc.outputs, outputs);
    }

    #[test]
    fn move_renames_the_record_and_keeps_its_attributes() {
        let mut doc = StateDoc::new();
        doc.apply(&[
            put("a.x", "1"),
            JournalEntry::Move {
                from: "a.x".into(),
                to: "module.m[0].a.y".into(),
            },
            JournalEntry::Move {
                from: "a.gone".into(),
                to: "a.z".into(),
            },
        ]);
        assert_eq!(
            doc.resources.keys().collect::<Vec<_>>(),
            ["module.m[0].a.y"]
        );
        let rec = &doc.resources["module.m[0].a.y"];
        assert_eq!(rec.addr.to_string(), "module.m[0].a.y");
        assert_eq!(rec.attributes, json!({"id": "1"}));
    }

    #[test]
    fn intent_without_outcome_stays_pending() {
        let mut doc = StateDoc::new();
        let intent = |t: &str| JournalEntry::Intent {
            token: t.into(),
            addr: "a.x".into(),
            action: "create".into(),
            planned: None,
        };
        doc.apply(&[
            intent("t1"),
            intent("t2"),
            JournalEntry::Outcome { token: "t1".into() },
        ]);
        assert_eq!(doc.pending.keys().collect::<Vec<_>>(), ["t2"]);
        assert_eq!(
            doc.pending["t2"],
            Intent {
                addr: "a.x".into(),
                action: "create".into(),
                planned: None,
            }
        );
    }

    #[test]
    fn entries_round_trip_through_json() {
        let entries = vec![
            put("module.m[\"k\"].a.x[0]", "1"),
            JournalEntry::Remove { addr: "a.y".into() },
            JournalEntry::Outcome { token: "t".into() },
        ];
        let text = serde_json::to_string(&entries).expect("encodes");
        let back: Vec<JournalEntry> = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back, entries);
    }
}
