print("secla")
