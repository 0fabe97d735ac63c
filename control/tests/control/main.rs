//! The control plane end to end over real HTTP, against an in-process server (or a real child
//! process where a kill is the point) on SQLite and on PostgreSQL. One test binary, one file
//! per feature.

mod support;

mod api;
mod auth;
mod openapi;
mod page;
mod restart;
