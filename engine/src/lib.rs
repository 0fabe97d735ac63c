//! Hangar's engine as a library: configuration, evaluation, dependency graph, plan, apply,
//! residency, drift — everything any caller of Hangar needs, behind one operations API.
//!
//! It owns the semantics; it does not talk to people. Callers (the `hangar` CLI, the
//! data-plane agent, tests) drive it through [`workspace::Workspace`], get typed results
//! (plans, the drift report, the validate and residency reports) and progress as
//! [`events::Event`]s. It must never depend on a terminal, argument-parsing or progress crate
//! (no clap, indicatif, miette), never print, and never name a cloud SDK type: clouds live
//! behind the provider interface, registered in [`registry`], and every call to one passes the
//! residency gate ([`residency::gate`], [`residency::gated`]).
//!
//! The pipeline is a sequence of phases, each consuming the previous one's output: [`config`]
//! loads files into a model, [`graph`] orders its blocks, [`walk`] states what each operation
//! evaluates, [`residency::preflight`] refuses any placement outside the geography before any
//! cloud call, [`planner`] makes a [`plan::Plan`] against recorded state, [`applier`] carries
//! a plan out while [`writer`] records every result.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// `Diagnostic` (summary, detail and a located range: 128 bytes) is the error of every
// configuration-facing function; it is returned once per failed step, never in a hot loop.
#![allow(clippy::result_large_err)]

pub mod applier;
pub mod body;
pub mod calls;
pub mod config;
pub mod cores;
pub mod docs;
pub mod drift;
pub mod events;
pub mod expand;
pub mod graph;
pub mod modsource;
pub mod moves;
pub mod plan;
pub mod plan_json;
pub mod planner;
pub mod plugins;
pub mod refresh;
pub mod registry;
pub mod residency;
pub mod scope;
pub mod tfstate;
pub mod timing;
pub mod vars;
pub mod walk;
pub mod workspace;
pub mod writer;
