DeadtopCommand.runMain()
