package convert

// nativeCRLF: core.eol=native means CRLF on Windows.
const nativeCRLF = true
