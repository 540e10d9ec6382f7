/* ftable.h: placeholder until its helper lands. */
#ifndef SC_FTABLE_H
#define SC_FTABLE_H
#endif
