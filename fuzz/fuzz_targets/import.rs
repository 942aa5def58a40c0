#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| quizcast_fuzz::import(data));
