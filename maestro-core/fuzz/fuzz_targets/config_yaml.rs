//! `config.yaml`: any text through the YAML parser, the schema and the config's own
//! checks, and a config that passes written back and read again, unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use maestro_core::Config;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::from_yaml("config.yaml", text) {
        let again = config.to_yaml().expect("a loaded config writes back");
        let reread = Config::from_yaml("config.yaml", &again).expect("what was written reads again");
        assert_eq!(
            reread.to_yaml().unwrap(),
            again,
            "written, read and written again, a config is unchanged"
        );
    }
});
