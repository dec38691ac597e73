// refused: source_unsupported: exactly one derived type declared inside it (found 0)
pub const VERSION: u32 = 1;
#[derive(serde::Serialize)]
pub struct Root { a: u32 }
impl<'de> serde::Deserialize<'de> for Root {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let a = u32::deserialize(d)?;
        Ok(Root { a })
    }
}
