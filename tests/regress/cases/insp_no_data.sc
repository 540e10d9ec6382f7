set verbose 0
feature 0
