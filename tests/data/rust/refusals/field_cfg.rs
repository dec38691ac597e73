// refused: source_unsupported: a field behind cfg has no registry form
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { a: u32, #[cfg(feature = "extra")] b: u32 }
