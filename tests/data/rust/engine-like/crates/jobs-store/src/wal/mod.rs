pub mod codec;
pub mod event;
