// Leptos view types nest deeply; the hydrate build needs a higher limit to lay them out.
#![recursion_limit = "256"]

//! Hydrates the server-rendered HTML in the browser.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
