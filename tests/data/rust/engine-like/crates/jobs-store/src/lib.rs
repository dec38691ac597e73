pub mod snapshot;
pub mod wal;
