help verbose=1
