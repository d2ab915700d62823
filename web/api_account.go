package web

func (s *Server) routesAPIAccount() {}
