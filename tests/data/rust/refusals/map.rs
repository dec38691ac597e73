// refused: source_unsupported: type std::collections::HashMap is outside the source tree
pub const VERSION: u32 = 1;
use std::collections::HashMap;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { counts: HashMap<String, u32> }
