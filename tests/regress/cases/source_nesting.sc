echo nest
source source_nesting.sc
