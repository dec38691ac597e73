// refused: source_unsupported: if expression in a hand-written Serialize
pub const VERSION: u32 = 1;
pub struct Root { a: u32, b: Option<u32> }
impl serde::Serialize for Root {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Root", 2)?;
        st.serialize_field("a", &self.a)?;
        if self.b.is_some() { st.serialize_field("b", &self.b)?; }
        st.end()
    }
}
#[derive(serde::Deserialize)]
pub struct Unused { a: u32 }
