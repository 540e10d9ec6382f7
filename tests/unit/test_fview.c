/* placeholder until its helper lands */
#include "tap.h"
int main(void) { return tap_done(); }
