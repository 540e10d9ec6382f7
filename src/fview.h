/* fview.h: placeholder until its helper lands. */
#ifndef SC_FVIEW_H
#define SC_FVIEW_H
#endif
