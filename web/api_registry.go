package web

func (s *Server) routesAPIRegistry() {}
