"""The Discord adapter: thin cogs over the pure core. (Not named `discord`: it would shadow
the library.)"""
