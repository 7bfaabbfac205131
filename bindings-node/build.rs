//! napi-rs's link settings for a Node addon (on Linux: nothing to link, Node's N-API symbols are
//! resolved when the addon is loaded).

fn main() {
    napi_build::setup();
}
