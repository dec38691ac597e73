//! One of every construct the extractor reads (a test fixture).

pub const VERSION: u32 = 7_u32;

#[path = "nested/kinds.rs"]
pub mod kinds;
pub mod renames;

use self::kinds::{Mode, Token as Key};
use crate::renames::*;

/// The root: every wire type the registry has.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(bound = "", rename = "Root")]
pub struct Root {
    small: u8,
    medium: u32,
    large: u64,
    signed: i32,
    flag: bool,
    text: String,
    blob: Vec<u8>,
    maybe: Option<std::string::String>,
    list: std::vec::Vec<Key>,
    boxed: Box<Mode>,
    r#type: Lower,
    renamed: Upper,
    mixed: Mixed,
    fields: Fields,
    defaults: Defaults,
}

#[cfg(test)]
mod tests {
    pub struct Root;
}
