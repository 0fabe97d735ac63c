//! The moto harness, from `hangar-testkit` (one for every test binary).
#![allow(unused_imports)]

pub use hangar_testkit::moto::*;
