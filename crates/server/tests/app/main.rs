//! The server end to end: the real application on a random port, over a fresh demo database,
//! on SQLite and on PostgreSQL, spoken to over HTTP as browsers and programs speak to it.

mod access;
mod concurrency;
mod credentials;
mod grouping;
mod harness;
mod matrix;
mod schedule;
mod stories;
