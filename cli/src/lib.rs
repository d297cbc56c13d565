//! What the `whoosh` binary composes from every service, kept in a library so that tests reach it.

pub mod analytics;
pub mod notifier;
pub mod openapi;
