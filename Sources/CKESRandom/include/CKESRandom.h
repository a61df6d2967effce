#ifndef CKESRANDOM_H
#define CKESRANDOM_H

// Swift's Glibc module leaves out <sys/random.h>, which declares getrandom(2);
// this target exists only to make that declaration importable.
#include <sys/random.h>

#endif
