echo one; echo two  # a comment
# a whole-line comment
echo "quoted; not split" 'single "x"'
echo con\
  tinued
ech\
o escaped\ space
set verbose 2; show verbose
