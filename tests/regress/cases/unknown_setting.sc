set colour red
