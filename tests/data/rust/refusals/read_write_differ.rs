// refused: source_unsupported: have different fields (a, b / a, c) or field types
pub const VERSION: u32 = 1;
#[derive(serde::Serialize)]
pub struct Root { a: u32, b: u64 }
impl<'de> serde::Deserialize<'de> for Root {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct RootWire { a: u32, c: u64 }
        let w = RootWire::deserialize(d)?;
        Ok(Root { a: w.a, b: w.c })
    }
}
