// refused: source_unsupported: unit struct Marker
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Marker;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { marker: Marker }
