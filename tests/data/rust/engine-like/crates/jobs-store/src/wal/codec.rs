/// The record frame version.
pub const VERSION: u32 = 3;
