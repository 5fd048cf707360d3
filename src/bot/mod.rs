//! PLACEHOLDER: the Rust bot client, replaced by the bots work.
