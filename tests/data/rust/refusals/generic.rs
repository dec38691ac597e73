// refused: source_unsupported: generic type Tagged<u32>
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Tagged<T> { value: T }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { value: Tagged<u32> }
