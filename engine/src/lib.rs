//! Hangar's engine: configuration, evaluation, dependency graph, plan, apply, and the CLI.
//!
//! The pipeline is a sequence of phases, each consuming the previous one's output: [`config`]
//! loads files into a model, [`graph`] orders its blocks, [`planner`] makes a [`plan::Plan`]
//! against recorded state, [`applier`] carries a plan out while [`writer`] records every
//! result. [`cli`] drives it all the way a Terraform user expects. The engine never names a
//! cloud SDK type: clouds live behind the provider interface, registered in [`registry`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod applier;
pub mod body;
pub mod calls;
pub mod config;
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
pub mod refresh;
pub mod registry;
pub mod residency;
pub mod scope;
pub mod vars;
pub mod walk;
pub mod writer;
