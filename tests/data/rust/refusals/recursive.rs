// refused: registry_cycle: Root -> Root
pub const VERSION: u32 = 1;
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Root { children: Vec<Root> }
