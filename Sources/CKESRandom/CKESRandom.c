// A C target needs one source file; the header is all there is to it.
#include "CKESRandom.h"
