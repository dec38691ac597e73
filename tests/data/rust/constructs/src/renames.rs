use super::kinds::Mode;

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lower { FirstOne, SecondOne }

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Upper { FirstOne, #[serde(rename = "other")] SecondOne }

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", rename_all_fields = "camelCase")]
pub enum Mixed {
    FirstOne { some_field: u32 },
    #[serde(rename_all = "PascalCase")]
    SecondOne { other_field: u32 },
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING-KEBAB-CASE")]
pub struct Fields {
    some_field: u32,
    #[serde(rename(serialize = "same", deserialize = "same"))]
    other_field: u32,
}

/// Container default: every field may be absent from a JSON document.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Defaults {
    mode: Mode,
    #[serde(default = "seven", skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
}
