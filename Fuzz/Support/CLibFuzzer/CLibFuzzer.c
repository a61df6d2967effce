// SwiftPM builds a C target only from a source file; the module exists for its header.
#include "CLibFuzzer.h"
